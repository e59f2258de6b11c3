-- Stage 1, build: stage 0's build again, driven by Lua instead of Rhai.
-- Same compiler, same flags, same file order, bare file names from inside
-- src/: the lua it links must be byte for byte stage 0's.
local a = input.attrs
local objects = {}
for _, file in ipairs(a.luaSources) do
  local argv = {a.CC, "-c"}
  for _, flag in ipairs(a.luaCFlags) do argv[#argv + 1] = flag end
  argv[#argv + 1] = file
  std.run{argv = argv, cwd = "src"}
  objects[#objects + 1] = file:gsub("%.c$", ".o")
end
local argv = {a.CC, "-o", "lua"}
for _, object in ipairs(objects) do argv[#argv + 1] = object end
for _, flag in ipairs(a.luaLdFlags) do argv[#argv + 1] = flag end
std.run{argv = argv, cwd = "src"}
print(string.format("compiled %d files and linked src/lua with %s (driven by %s)", #a.luaSources, a.CC, _VERSION))
