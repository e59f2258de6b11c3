-- A small JSON encoder and decoder in pure Lua 5.4, because Lua's standard
-- library has none and the bootstrap's Lua is built from bare sources.
--
--   local json = require("json")
--   local value = json.decode('{"a": [1, 2.5, "x", null]}')
--   print(json.encode(value))          --> {"a":[1,2.5,"x",null]}
--
-- JSON null is the sentinel `json.null` (a Lua nil cannot live in a table).
-- Decoded arrays and objects carry a metatable saying which they were, so an
-- empty `[]` or `{}` round-trips unchanged; `json.array{...}` and
-- `json.object{...}` mark tables built in Lua the same way. An unmarked
-- table is an array when its keys are exactly 1..n (n >= 1), else an object.
-- Object keys are written sorted, so the same value always gives the same
-- bytes.

local json = {}

json.null = setmetatable({}, {
  __name = "json.null",
  __tostring = function() return "null" end,
})

local ARRAY = { __name = "json.array" }
local OBJECT = { __name = "json.object" }

--- Marks `t` (default: a new table) as a JSON array and returns it.
function json.array(t)
  return setmetatable(t or {}, ARRAY)
end

--- Marks `t` (default: a new table) as a JSON object and returns it.
function json.object(t)
  return setmetatable(t or {}, OBJECT)
end

--- Whether a decoded or marked table is a JSON array.
function json.is_array(t)
  return getmetatable(t) == ARRAY
end

-- Encoding ---------------------------------------------------------------

local escapes = {
  ['"'] = '\\"', ['\\'] = '\\\\', ['\b'] = '\\b', ['\f'] = '\\f',
  ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t',
}

local function encode_string(s)
  return '"' .. s:gsub('[%c"\\]', function(c)
    return escapes[c] or string.format("\\u%04x", c:byte())
  end) .. '"'
end

local function encode_number(n)
  if math.type(n) == "integer" then
    return string.format("%d", n)
  end
  if n ~= n or n == math.huge or n == -math.huge then
    error("json.encode: " .. tostring(n) .. " has no JSON form", 0)
  end
  -- %.17g round-trips every double; a shorter form is used when it does too.
  for _, format in ipairs({ "%.14g", "%.17g" }) do
    local text = string.format(format, n)
    if tonumber(text) == n then
      if not text:find("[.eEn]") then
        text = text .. ".0" -- keep it a float when read back
      end
      return text
    end
  end
end

-- Whether `t` is written as an array: by its mark, else by its keys.
local function is_array(t)
  local mark = getmetatable(t)
  if mark == ARRAY then return true end
  if mark == OBJECT then return false end
  local n = #t
  if n == 0 then return false end
  local count = 0
  for k in pairs(t) do
    if math.type(k) ~= "integer" or k < 1 or k > n then return false end
    count = count + 1
  end
  return count == n
end

local encode_value

local function encode_table(t, seen, out)
  if seen[t] then
    error("json.encode: a table contains itself", 0)
  end
  seen[t] = true
  if is_array(t) then
    out[#out + 1] = "["
    for i = 1, #t do
      if i > 1 then out[#out + 1] = "," end
      encode_value(t[i], seen, out)
    end
    out[#out + 1] = "]"
  else
    local keys = {}
    for k in pairs(t) do
      if type(k) ~= "string" then
        error("json.encode: object keys must be strings, found " .. type(k) .. " " .. tostring(k), 0)
      end
      keys[#keys + 1] = k
    end
    table.sort(keys)
    out[#out + 1] = "{"
    for i, k in ipairs(keys) do
      if i > 1 then out[#out + 1] = "," end
      out[#out + 1] = encode_string(k)
      out[#out + 1] = ":"
      encode_value(t[k], seen, out)
    end
    out[#out + 1] = "}"
  end
  seen[t] = nil
end

encode_value = function(v, seen, out)
  local kind = type(v)
  if v == nil or v == json.null then
    out[#out + 1] = "null"
  elseif kind == "boolean" then
    out[#out + 1] = v and "true" or "false"
  elseif kind == "number" then
    out[#out + 1] = encode_number(v)
  elseif kind == "string" then
    out[#out + 1] = encode_string(v)
  elseif kind == "table" then
    encode_table(v, seen, out)
  else
    error("json.encode: a " .. kind .. " has no JSON form", 0)
  end
end

--- The JSON text of `value` (compact, object keys sorted).
function json.encode(value)
  local out = {}
  encode_value(value, {}, out)
  return table.concat(out)
end

-- Decoding ---------------------------------------------------------------

-- Errors say where: "json.decode: expected ':' at byte 17 (line 2)".
local function fail(text, pos, message)
  local line = select(2, text:sub(1, pos - 1):gsub("\n", "")) + 1
  error(string.format("json.decode: %s at byte %d (line %d)", message, pos, line), 0)
end

local function skip_space(text, pos)
  return text:find("[^ \t\r\n]", pos) or #text + 1
end

local function decode_string(text, pos)
  -- `pos` is at the opening quote.
  local parts = {}
  local i = pos + 1
  while true do
    local stop = text:find('["\\%c]', i)
    if not stop then fail(text, pos, "unterminated string") end
    parts[#parts + 1] = text:sub(i, stop - 1)
    local c = text:sub(stop, stop)
    if c == '"' then
      return table.concat(parts), stop + 1
    elseif c == "\\" then
      local e = text:sub(stop + 1, stop + 1)
      local simple = ({ ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b",
                        f = "\f", n = "\n", r = "\r", t = "\t" })[e]
      if simple then
        parts[#parts + 1] = simple
        i = stop + 2
      elseif e == "u" then
        local hex = text:match("^%x%x%x%x", stop + 2)
        if not hex then fail(text, stop, "bad \\u escape") end
        local code = tonumber(hex, 16)
        i = stop + 6
        if code >= 0xD800 and code <= 0xDBFF then
          -- A UTF-16 surrogate pair: the low half must follow.
          local low = text:match("^\\u(%x%x%x%x)", i)
          local low_code = low and tonumber(low, 16)
          if not low_code or low_code < 0xDC00 or low_code > 0xDFFF then
            fail(text, stop, "unpaired UTF-16 surrogate")
          end
          code = 0x10000 + ((code - 0xD800) << 10) + (low_code - 0xDC00)
          i = i + 6
        elseif code >= 0xDC00 and code <= 0xDFFF then
          fail(text, stop, "unpaired UTF-16 surrogate")
        end
        parts[#parts + 1] = utf8.char(code)
      else
        fail(text, stop, "bad escape \\" .. e)
      end
    else
      fail(text, stop, "control character in a string")
    end
  end
end

local function decode_number(text, pos)
  -- JSON's grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][-+]?[0-9]+)?
  local int = text:match("^-?%d+", pos)
  if not int then fail(text, pos, "bad number") end
  if int:match("^-?0%d") then fail(text, pos, "bad number (leading zero)") end
  local stop = pos + #int
  local frac = text:match("^%.%d+", stop) or ""
  if frac == "" and text:sub(stop, stop) == "." then fail(text, stop, "bad number (no digit after '.')") end
  stop = stop + #frac
  local exp = text:match("^[eE][-+]?%d+", stop) or ""
  if exp == "" and text:find("^[eE]", stop) then fail(text, stop, "bad number (bad exponent)") end
  stop = stop + #exp
  if frac == "" and exp == "" then
    local value = math.tointeger(tonumber(int))
    if value then return value, stop end
  end
  return tonumber(int .. frac .. exp) + 0.0, stop
end

local decode_value

local function decode_array(text, pos, depth)
  local result = json.array()
  pos = skip_space(text, pos + 1)
  if text:sub(pos, pos) == "]" then return result, pos + 1 end
  while true do
    local value
    value, pos = decode_value(text, pos, depth)
    result[#result + 1] = value
    pos = skip_space(text, pos)
    local c = text:sub(pos, pos)
    if c == "]" then return result, pos + 1 end
    if c ~= "," then fail(text, pos, "expected ',' or ']'") end
    pos = skip_space(text, pos + 1)
  end
end

local function decode_object(text, pos, depth)
  local result = json.object()
  pos = skip_space(text, pos + 1)
  if text:sub(pos, pos) == "}" then return result, pos + 1 end
  while true do
    if text:sub(pos, pos) ~= '"' then fail(text, pos, "expected a string key") end
    local key
    key, pos = decode_string(text, pos)
    pos = skip_space(text, pos)
    if text:sub(pos, pos) ~= ":" then fail(text, pos, "expected ':'") end
    local value
    value, pos = decode_value(text, skip_space(text, pos + 1), depth)
    result[key] = value
    pos = skip_space(text, pos)
    local c = text:sub(pos, pos)
    if c == "}" then return result, pos + 1 end
    if c ~= "," then fail(text, pos, "expected ',' or '}'") end
    pos = skip_space(text, pos + 1)
  end
end

local literals = { ["true"] = true, ["false"] = false }

decode_value = function(text, pos, depth)
  if depth > 512 then fail(text, pos, "nested too deeply") end
  local c = text:sub(pos, pos)
  if c == "{" then
    return decode_object(text, pos, depth + 1)
  elseif c == "[" then
    return decode_array(text, pos, depth + 1)
  elseif c == '"' then
    return decode_string(text, pos)
  elseif c == "-" or c:match("%d") then
    return decode_number(text, pos)
  end
  local word = text:match("^%a+", pos)
  if word == "null" then return json.null, pos + 4 end
  if literals[word] ~= nil then return literals[word], pos + #word end
  if pos > #text then fail(text, pos, "unexpected end of input") end
  fail(text, pos, "unexpected character '" .. c .. "'")
end

--- The value of JSON `text`; an error names the byte offset and line.
function json.decode(text)
  if type(text) ~= "string" then
    error("json.decode: expected a string, got " .. type(text), 2)
  end
  local value, pos = decode_value(text, skip_space(text, 1), 0)
  pos = skip_space(text, pos)
  if pos <= #text then fail(text, pos, "trailing characters") end
  return value
end

return json
