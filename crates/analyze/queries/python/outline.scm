; The outline of a Python file: functions (methods inside classes) and classes.
(function_definition name: (identifier) @name) @function
(class_definition name: (identifier) @name) @class
