"""Record and replay real provider traffic; compare a recording with a mock.

* :mod:`mocks.record.cassette` (pure): the cassette format, secret removal, stream framing, match keys.
* :mod:`mocks.record.recorder`: ``RecordingApp`` forwards to an upstream and writes cassettes.
* :mod:`mocks.record.replay`: ``ReplayApp`` serves cassettes back; ``load_cassettes(dir)``.
* :mod:`mocks.record.compare`: what differs between a recording and a mock's answers to the same requests.
* :mod:`mocks.record.cli`: the ``harness mock --record/--replay`` flags.
"""
