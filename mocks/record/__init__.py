"""Record and replay real provider traffic; compare a recording with a mock.

* :mod:`mocks.record.cassette` (pure): the cassette format, secret removal, stream framing, match keys.
* :mod:`mocks.record.recorder`: ``RecordingApp`` forwards to an upstream and writes cassettes.
* :mod:`mocks.record.replay`: ``ReplayApp`` serves cassettes back; ``load_cassettes(dir)``.
* :mod:`mocks.record.compare`: what differs between a recording and a mock's answers to the same requests.
* :mod:`mocks.record.cli`: the ``harness mock --record/--replay`` flags.
* :func:`recording_server` / :func:`replay_server`: the same as servers, for Python tests.
"""

from mocks.record.servers import recording_server, replay_server

__all__ = ["recording_server", "replay_server"]
