"""The application's models as Qt objects: ``SessionModel`` and ``DisplaySettings``
wrap the Qt-free state of ``ctaviewer.service`` (``SessionState``, ``DisplayState``) and
announce its changes through Qt signals; views only subscribe. ``quantities`` computes what a
camera view shows, ``event_filter`` the event list's filter.
"""
