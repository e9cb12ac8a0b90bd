"""One experiment from config to files: `builder` turns the config into objects (the one place
that instantiates, after `options` checked them), `job` runs the protocol and the analyses and
hands the results to `outputs` (the job directory's files and tracking) and to the model
package (`bankruptcy.serving.package`); `resolvers` are the configs' OmegaConf resolvers and
`summary` prints a job's metrics.
"""
