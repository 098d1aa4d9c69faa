; The nodes the SDK analysis interprets, in source order. Bindings (imports, declarations,
; assignments) are read before calls, so a client created anywhere in the module is known
; where it is used. TypeScript's copy (queries/typescript/sdk.scm) adds its typed parameters.
; Keep to one `(node_kind) @capture` per line: besides compiling it as a query, the analyzer
; reads these lines as a table for a plain cursor walk, which selects the same nodes faster.
(import_statement) @import
(variable_declarator) @binding
(function_declaration) @binding
(assignment_expression) @binding
(field_definition) @binding
(new_expression) @new
(call_expression) @call
