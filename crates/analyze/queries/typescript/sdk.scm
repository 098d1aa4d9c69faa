; The nodes the SDK analysis interprets in TypeScript: JavaScript's (queries/javascript/sdk.scm),
; with class fields named as TypeScript's grammar names them, and typed parameters, whose type
; says which SDK client they hold (`constructor(private readonly s3: S3Client)`).
; Keep to one `(node_kind) @capture` per line (see the JavaScript file).
(import_statement) @import
(variable_declarator) @binding
(function_declaration) @binding
(assignment_expression) @binding
(public_field_definition) @binding
(required_parameter) @binding
(optional_parameter) @binding
(new_expression) @new
(call_expression) @call
