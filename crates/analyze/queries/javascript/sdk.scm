; The nodes the SDK analysis interprets, in source order. Bindings (imports, declarations,
; assignments) are read before calls, so a client created anywhere in the module is known
; where it is used. Shared by JavaScript and TypeScript: the node names are the same.
(import_statement) @import
(variable_declarator) @binding
(assignment_expression) @binding
(new_expression) @new
(call_expression) @call
