; The outline of a JavaScript file: functions, classes and methods with their names.
(function_declaration name: (identifier) @name) @function
(generator_function_declaration name: (identifier) @name) @function
(variable_declarator
  name: (identifier) @name
  value: [(arrow_function) (function_expression)]) @function
(assignment_expression
  left: (member_expression property: (property_identifier) @name)
  right: [(arrow_function) (function_expression)]) @function
(class_declaration name: (identifier) @name) @class
(method_definition name: (property_identifier) @name) @method
