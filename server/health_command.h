#pragma once

namespace samepage::server {

// `samepaged health [--server HOST:PORT] [--service NAME] [--timeout D]`:
// asks a server's standard gRPC health service whether it is serving (the
// whole server, or one service such as samepage.registry.v1.CaseRegistry).
// Exit code 0 when SERVING, 1 otherwise: a container health check needs no
// other tool in the image. `argv[0]` is "health".
int RunHealthCommand(int argc, char** argv);

}  // namespace samepage::server
