-- Stage 1, install: the interpreter alone, as in stage 0.
std.install{src = "src/lua", dest = input.outputs.out .. "/bin/lua", mode = "755"}
