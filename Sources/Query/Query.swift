// The command language of opsh: pure, no I/O, no terminal.
//
//     let line = "clicks | where port=6260 and timestamp > -7d | group source_ip | first 5"
//     let pipeline = try Pipeline(parsing: line)        // throws QueryError; error.rendered(line:)
//     pipeline.command                                  // name + arguments, for the shell to dispatch
//     pipeline.fetchHint                                // .countOnly / .firstN(n) / .all
//     pipeline.fieldReferences                          // for "did you mean" on field names
//     let context = EvaluationContext(now: .current, relation: cache.follow, render: options)
//     try await pipeline.render(pages, context: context, format: .table, into: &stdout)
//     let result = try await pipeline.evaluate(pages, context: context)   // records, a value or text
//
// Layout:
// - Syntax/       the AST (Pipeline, Command, Condition, Literal), the parser and its tokens
// - Stages/       one file per stage, each a `Stage` with its help and examples, all listed
//                 in StageCatalog.all
// - Comparison.swift   what `field OP value` means for each kind of value
// - Evaluation/   the streaming engine: pages flow through per-run steps, synchronously
//                 within a page; `first N` stops the fetch
// - Rendering/    table layout, display width, the renderers as plain functions
//
// Decisions, in one place:
// - `first` and `last` without N mean 10.
// - Null shows as `null` in tables (dim in colour); a field a record lacks shows blank.
//   CSV shows both as an empty field; JSON as null / absent.
// - Case: `=` `!=` exact; `~` `!~` ignore case (`(?-i)` to respect it); `contains` and
//   `startswith` ignore case.
// - A date literal is its whole UTC day; other time literals are instants.
// - `!=` and `!~` are exactly `not =` / `not ~` (so `null != 5` holds); orderings with null
//   are false.
// - CSV lines end in CRLF (RFC 4180).
// - Positions are 0-based offsets in `Character`s; carets are placed by display width.
