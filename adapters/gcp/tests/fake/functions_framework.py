"""A minimal stand-in for the Python Functions Framework's decorators, for the fake Cloud
Functions: `http` and `cloud_event` register a function with its signature type, as the real
framework's registry does, and return it unchanged."""

_signatures = {}


def http(fn):
    _signatures[fn.__name__] = "http"
    return fn


def cloud_event(fn):
    _signatures[fn.__name__] = "cloudevent"
    return fn


def signature_of(name, default):
    return _signatures.get(name, default)


class CloudEvent:
    """The attributes of a CloudEvent by item (`event["type"]`) and its `data`."""

    def __init__(self, attributes, data):
        self._attributes = dict(attributes)
        self.data = data

    def __getitem__(self, key):
        return self._attributes[key]

    def get(self, key, default=None):
        return self._attributes.get(key, default)

    def get_attributes(self):
        return dict(self._attributes)
