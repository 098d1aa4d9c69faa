; The nodes the SDK analysis interprets: imports and assignments first, then calls.
(import_statement) @import
(import_from_statement) @import
(assignment) @binding
(call) @call
