; The nodes the SDK analysis interprets: imports and assignments first, then calls.
; Keep to one `(node_kind) @capture` per line (see javascript/sdk.scm).
(import_statement) @import
(import_from_statement) @import
(assignment) @binding
(call) @call
