-- Runs one phaser phase written in Lua on a plain Lua 5.4 interpreter,
-- through phaser's `exec` protocol: the phase input arrives as JSON on
-- stdin, the answer leaves as JSON on stdout, stderr is the log.
--
--   {"exec": ["lua", "/bootstrap/lua-phase.lua", "stage1/build.lua"]}
--
-- The phase script (relative to this file's directory, or absolute) sees
-- what an embedded Lua phase sees: the global `input` (also passed as
-- `...`), `std` (the standard library: `std.run{argv = {...}}`,
-- `std.hash{file = f}`, `std.copy{"a", "b"}`), and returns its answer table
-- or nothing. `json` is this directory's json.lua, and `print` writes to
-- the log, since stdout carries the answer.
--
-- `std.NAME(args)` calls `phaser std --json NAME ...` through io.popen (so
-- it needs /bin/sh and `phaser` on PATH): a table of named keys is passed as
-- one JSON object, a list as positional words. A failed call raises an error
-- at the phase script's line; phaser std has already logged why.

local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local json = require("json")

-- stdout is the answer channel: everything a phase writes goes to stderr.
io.output(io.stderr)
function print(...)
  local parts = table.pack(...)
  for i = 1, parts.n do parts[i] = tostring(parts[i]) end
  io.stderr:write(table.concat(parts, "\t"), "\n")
end

local function shell_quote(word)
  return "'" .. word:gsub("'", "'\\''") .. "'"
end

-- The command-line words for a call's arguments.
local function argument_words(name, args)
  if args == nil then return {} end
  if type(args) ~= "table" then return { "--", tostring(args) } end
  local count, named = 0, false
  for key in pairs(args) do
    if math.type(key) == "integer" then count = count + 1 else named = true end
  end
  if named and count > 0 then
    error("std." .. name .. ": give positional values or named keys, not both", 4)
  end
  if named or count == 0 then
    return { json.encode(json.object(args)) }
  end
  local words = { "--" }
  for i = 1, #args do
    local value = args[i]
    if type(value) ~= "string" and type(value) ~= "number" then
      error("std." .. name .. ": positional values are strings or numbers; pass a table of named keys for "
        .. type(value) .. " values", 4)
    end
    words[#words + 1] = tostring(value)
  end
  return words
end

local function call_std(name, args)
  local words = { "phaser", "std", "--json", name }
  for _, word in ipairs(argument_words(name, args)) do words[#words + 1] = word end
  for i, word in ipairs(words) do words[i] = shell_quote(word) end
  local pipe = assert(io.popen(table.concat(words, " "), "r"))
  local output = pipe:read("a")
  local ok, how, code = pipe:close()
  if not ok then
    error(string.format("std.%s failed (%s %s); phaser std logged why above", name, how, code), 3)
  end
  -- The result is the last line; anything before it is what a command
  -- run by `std.run` printed, which belongs in the log.
  local before, last = output:match("^(.-)([^\n]*)\n?$")
  if before ~= "" then io.stderr:write(before) end
  local value = json.decode(last)
  if value == json.null then return nil end
  return value
end

local std = setmetatable({}, {
  __index = function(_, name)
    return function(args)
      -- Not a tail call: error levels count this frame to reach the phase's line.
      local result = call_std(name, args)
      return result
    end
  end,
})

local script = arg[1]
if not script then
  io.stderr:write("usage: lua lua-phase.lua PHASE.lua (input JSON on stdin)\n")
  os.exit(2)
end
if script:sub(1, 1) ~= "/" then script = here .. "/" .. script end

-- The error alone, which names the phase script's file and line: the
-- runner shows only the last lines of stderr, and a traceback would push the
-- reason (phaser std's message just above) out of them.
local ok, err = pcall(function()
  local input = json.decode(io.stdin:read("a"))
  _G.input, _G.std, _G.json = input, std, json
  local chunk = assert(loadfile(script))
  local answer = chunk(input)
  if answer == nil then answer = json.object() end
  if type(answer) ~= "table" then
    error("the phase returned a " .. type(answer) .. "; return a table like {state = {...}} or nothing", 0)
  end
  io.stdout:write(json.encode(answer), "\n")
end)
if not ok then
  io.stderr:write(tostring(err), "\n")
  os.exit(1)
end
