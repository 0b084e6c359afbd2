"""The run engine, one module a job: the plan (:mod:`~harness.engine.plan`), what executing needs
(:mod:`~harness.engine.session`), executing one item (:mod:`~harness.engine.execute`), failures turned into results
(:mod:`~harness.engine.verdicts`), the listeners' hooks (:mod:`~harness.engine.events`) and the
:class:`~harness.engine.run.Engine` that drives a whole run (:mod:`~harness.engine.run`)."""
