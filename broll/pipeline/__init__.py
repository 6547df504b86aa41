"""Generation inside the build: an edit list's ``generate:`` section and its ``- shot:`` items.

``broll.build()`` calls :func:`broll.pipeline.front.prepare_shots` before it resolves media:
the section is read with the batch spec's own validator (``section``), the clips still
missing are generated and checked through the batch runner and its write-ahead manifest
(``front``), one take per shot is chosen (``takes``) and the ``shot:`` items become ``clip:``
items pointing at those takes (``bind``). Everything after that is the ordinary build.
"""
