"""Preprocessing steps, each an option of a config group ``conf/preprocess/<step>/<option>.yaml``.

Pipeline order (the defaults list of every preset, e.g. ``conf/preprocess/default.yaml``):
``dedup`` (sampler, `rows`) -> ``features`` (`features`, from `concepts`) -> ``clean``
(`clean`) -> ``indicator`` (`impute.MissingFlags`) -> ``clip`` (`outliers.Winsorizer`) ->
``transform`` (`transform`) -> ``imputer`` (`impute.NumericImputer`) -> ``outlier_rows``
(sampler, `outliers.DropOutlierRows`) -> ``scaler`` -> ``select`` (`select`). Samplers run on
training rows in ``fit`` only; everything else is fitted on training rows and only applied to
validation and test rows. `checks` holds the shared input checks and `PreprocessError`.
"""
