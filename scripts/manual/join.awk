# The manual page: the page swift-argument-parser's generate-manual plugin wrote from opsh's
# flags (the input), with
# - the section on the command language (the file named by `-v section=FILE`, which
#   `opsh --generate-manual-language` wrote) before EXIT STATUS, or at the end;
# - its blank lines, which mdoc warns about, as paragraph breaks (.Pp);
# - no hidden subcommand: the plugin lists every subcommand, `opsh --help` only the shown
#   ones. A subcommand whose name begins `__` (`__complete`, which the shells' completion
#   scripts call) is hidden: its `.It Em NAME` item is dropped, up to the next item or the
#   end of the list of subcommands.
/^\.Bl/ { depth++ }
/^\.It Em / { hidden = ($3 ~ /^__/); at = depth }
/^\.El/ { if (hidden && depth == at) hidden = 0; depth-- }
/^\.Sh / { hidden = 0 }
hidden { next }
/^\.Sh "?EXIT STATUS"?$/ && !done { while ((getline line < section) > 0) print line; done = 1 }
/^$/ { print ".Pp"; next }
{ print }
END { if (!done) while ((getline line < section) > 0) print line }
