; The nodes the SDK analysis interprets: imports, assignments and function definitions (their
; parameters, and whether they return a client) first, then calls.
; Keep to one `(node_kind) @capture` per line (see javascript/sdk.scm).
(import_statement) @import
(import_from_statement) @import
(assignment) @binding
(function_definition) @binding
(call) @call
