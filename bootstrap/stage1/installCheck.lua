-- Stage 1, installCheck: the rebuilt lua starts and says it is 5.4.
local lua = input.outputs.out .. "/bin/lua"
local version = std.run{argv = {lua, "-v"}, capture = true}.stdout:gsub("%s+$", "")
if not version:find("^Lua 5%.4") then
  error(lua .. " -v printed '" .. version .. "', not Lua 5.4", 0)
end
print(lua .. ": " .. version)
return {state = {lua = lua, luaVersion = version}}
