"""The release, in one place: the resume key and the rule cache change with it."""
__version__ = "0.1.0"
