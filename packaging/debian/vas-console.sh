#!/bin/sh
# Start VAS Console, installed in /opt/vas-console.
# Qt runs on X11 (natively or under XWayland): libVLC draws recordings into an X11 window.
QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-xcb}
export QT_QPA_PLATFORM
exec /opt/vas-console/vas-console "$@"
