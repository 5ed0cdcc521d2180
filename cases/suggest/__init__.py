"""Category suggestion learned from the district's own history (issue #23.3).

A description (and where it was seen) → the three likeliest categories with a calibrated confidence, or
"not sure". Trained on filed cases (the category the shift leader confirmed at 立案) and on the
choices people made among its suggestions (`SuggestionFeedback`); retrained nightly by beat, each
training a new `SuggesterVersion` whose file sits under SUGGEST_MODEL_DIR, switched to atomically.

    segment   words: rjieba with the categories' names in its dictionary
    clues     what the platform knows beyond the text: the grid's usual categories, the nearest 部件
    model     the classifier, its calibration and the "sure" threshold (fit, rank, evaluate)
    training  samples from filed cases and feedback, the held-out split, a new version
    store     model files on disk and the active version, loaded once per process
    services  record feedback, train, switch versions
"""
