"""Application state: the session (file, event, results, selection) and display settings.

Models hold the state and announce changes through Qt signals; views only subscribe.
"""
