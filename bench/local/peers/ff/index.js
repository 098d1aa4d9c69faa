// The trivial JSON handler, for @google-cloud/functions-framework.
exports.hello = (req, res) => {
  res.json({ hello: "world" });
};
