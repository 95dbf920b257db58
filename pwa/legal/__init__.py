"""The legal pages' data: the RGAA self-audit grid behind the accessibility statement."""
