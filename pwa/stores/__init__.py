"""Owners of the tables that have no other home: each module holds all the SQL of
its table (the directory, pwa.directory, owns `accounts`; the security stores own
theirs), so another database engine can stand in later."""
