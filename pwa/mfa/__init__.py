"""Second factors (DESIGN §5): passkeys, OTP app (TOTP), recovery codes.
Pure functions here and in totp.py/recovery.py; storage in store.py."""
