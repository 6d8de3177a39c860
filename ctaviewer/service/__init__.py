"""What the application runs, without Qt: its state models and its helper process.

- ``evented``: ``Signal``, the one event mechanism of these models (callbacks);
- ``session``: ``SessionState``, the open file, its event list, the current event and its
  result, the processing settings, the selection, warnings and busy/error state;
- ``display``: ``DisplayState``, what the camera views show and how;
- ``processing``: loading the processing chain in the background, and ``Processor``,
  which processes an event here or in the helper process;
- ``simtel_helper``: the helper process that reads and processes sim_telarray files away
  from the GUI's interpreter lock; a large file is shown while the helper indexes it
  (``background_index``: the scan in a thread of the helper; ``index_follow``: the new
  events brought to the window as they are found).

The application (``ctaviewer.app``) wraps each model in a thin Qt adapter that forwards its
events to Qt signals and runs the work in threads and timers. Nothing here imports Qt: the
helper process is started with "spawn" and imports this package alone.
"""
