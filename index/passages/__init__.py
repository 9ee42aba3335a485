"""Passages: highlights with colour, note and tags; their history, trash and legend; anchoring.

The face other packages use: `annotations` (Annotation, AnnotationError,
PALETTE, create/update/delete/restore/find/get, and the row helpers
insert_row, set_tags, touch, from_row, SELECT_PASSAGES that imports and the
mirror share), `anchoring` (Selector, make_selector, select_occurrence,
reanchor), `legend` (names of colours), `history` (versions, trash,
anchoring reports).
"""
