"""The options of ``cleaner check``, declared once for its two readers.

check.py builds its argparse parser from them; fastcheck.py reads argv with
them by hand, because importing argparse would cost a clean file's fast
path more than the check itself. Standard library only, and not even that.
"""

# (flags, destination, metavar of the value or None for an on/off flag, help). A value option may repeat.
OPTIONS = (
    (("--fix",), "fix", None, "rewrite files with residue in place, in their own format (exit 1 if any)"),
    (("--rules",), "rule_dirs", "DIR", "folder of your own rule files (repeatable)"),
    (("--no-site-rules",), "no_site_rules", None, "use the generic packs only"),
    (("--no-model",), "no_model", None, "the rules alone decide (no line model)"),
    (("-q", "--quiet"), "quiet", None, "print nothing, only set the exit code"),
    (("--include",), "include", "GLOB", "folders: only files matching this glob (repeatable)"),
    (("--exclude",), "exclude", "GLOB", "folders: skip files and folders matching this glob (repeatable)"),
    (("--no-ignore",), "no_ignore", None, "folders: do not honour .gitignore and the default excludes"),
)
