"""The bodies of the commands: one module per command (or per commands whose imports agree).

A body is a keyword-only function called by name (``module:function``, see ``_body``) with
the parsed values; its module imports at the top what the command calls, so running one
command loads its own code and not every other command's.
"""
