"""A spice-gtk display channel's "monitors" property, read through g_object_get: PyGObject cannot copy a GArray of
structs. Shared by the test clients that check monitors (spice-heads-client.py, spice-agent-client.py)."""
import ctypes

gobject = ctypes.CDLL("libgobject-2.0.so.0")
glib = ctypes.CDLL("libglib-2.0.so.0")
gobject.g_object_get.restype = None
glib.g_array_unref.argtypes = [ctypes.c_void_p]
ctypes.pythonapi.PyCapsule_GetPointer.restype = ctypes.c_void_p
ctypes.pythonapi.PyCapsule_GetPointer.argtypes = [ctypes.py_object, ctypes.c_char_p]


class GArray(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("len", ctypes.c_uint)]


class MonitorConfig(ctypes.Structure):  # SpiceDisplayMonitorConfig
    _fields_ = [(n, ctypes.c_uint) for n in ("id", "surface_id", "x", "y", "width", "height")]


def monitors(channel):
    """[(id, surface_id, x, y, width, height)] of a display channel; [] without a channel or monitors."""
    if channel is None:
        return []
    array = ctypes.c_void_p()
    gobject.g_object_get(ctypes.c_void_p(ctypes.pythonapi.PyCapsule_GetPointer(channel.__gpointer__, None)),
                         b"monitors", ctypes.byref(array), None)
    if not array.value:
        return []
    a = GArray.from_address(array.value)
    out = []
    for i in range(a.len):
        m = MonitorConfig.from_address(a.data + i * ctypes.sizeof(MonitorConfig))
        out.append((m.id, m.surface_id, m.x, m.y, m.width, m.height))
    glib.g_array_unref(array)
    return out
