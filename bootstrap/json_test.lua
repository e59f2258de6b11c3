-- Tests of json.lua, run by the bootstrap test with stage 0's freshly built
-- lua (`lua /bootstrap/json_test.lua`). Prints "json.lua: N checks passed"
-- or fails with the first check that did not hold.

local here = arg and arg[0] and arg[0]:match("^(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local json = require("json")

local checks = 0
local function check(condition, message)
  checks = checks + 1
  if not condition then error("check " .. checks .. " failed: " .. message, 2) end
end

local function fails(text, expected)
  local ok, err = pcall(json.decode, text)
  check(not ok, "decoding " .. text .. " should fail")
  check(tostring(err):find(expected, 1, true), "error for " .. text .. " was: " .. tostring(err))
end

-- Scalars, and the integer/float distinction Lua 5.4 has.
check(json.decode("42") == 42 and math.type(json.decode("42")) == "integer", "integer")
check(math.type(json.decode("4.0")) == "float", "4.0 stays a float")
check(json.decode("-1.5e3") == -1500.0, "exponent")
check(json.decode("true") == true and json.decode("false") == false, "booleans")
check(json.decode("null") == json.null, "null is the sentinel")
check(json.encode(3) == "3" and json.encode(0.5) == "0.5" and json.encode(2.0) == "2.0", "numbers")
check(json.encode(0.1) == "0.1", "shortest float that reads back")
check(json.decode(json.encode(1 / 3)) == 1 / 3, "a float round-trips")
check(math.type(json.decode("12345678901234567890")) == "float", "too big for an integer")

-- Strings and escapes, including UTF-16 surrogate pairs.
check(json.decode([["a\"b\\c\/\n\t"]]) == "a\"b\\c/\n\t", "simple escapes")
check(json.decode([["\u00e9\u4e2d"]]) == "é中", "\\u escapes to UTF-8")
check(json.decode([["\ud83d\ude00"]]) == "😀", "surrogate pair")
check(json.encode("tab\there \"q\" \1") == [["tab\there \"q\" \u0001"]], "encoding escapes")
check(json.encode("é") == '"é"', "UTF-8 passes through")

-- Containers keep their kind, even empty.
local v = json.decode('{"a": [], "b": {}, "c": [1, {"d": null}]}')
check(json.is_array(v.a) and not json.is_array(v.b), "marks")
check(json.encode(v) == '{"a":[],"b":{},"c":[1,{"d":null}]}', "round trip: " .. json.encode(v))
check(json.encode({ 1, 2, 3 }) == "[1,2,3]", "a sequence is an array")
check(json.encode({ z = 1, a = 2 }) == '{"a":2,"z":1}', "keys sorted")
check(json.encode({}) == "{}", "an unmarked empty table is an object")
check(json.encode(json.array()) == "[]", "a marked empty array")

-- Whitespace and nesting.
local deep = json.decode(' \n { "x" : [ [ [ 1 ] ] ] } \r\n')
check(deep.x[1][1][1] == 1, "nesting and whitespace")

-- Errors name the place.
fails("{", "at byte 2")
fails('{"a" 1}', "expected ':' at byte 6")
fails("[1,]", "unexpected character ']'")
fails("[1] x", "trailing characters")
fails('"\\x"', "bad escape")
fails("01", "leading zero")
fails("1.", "no digit after '.'")
fails('"\\ud83d"', "unpaired UTF-16 surrogate")
fails('{"a": 1,\n "b" 2}', "line 2")
check(not pcall(json.encode, { [1] = "a", [3] = "c" }), "sparse array keys are not strings")
check(not pcall(json.encode, 0 / 0), "NaN has no JSON form")
local loop = {}
loop.self = loop
check(not pcall(json.encode, loop), "a cycle is refused")

print("json.lua: " .. checks .. " checks passed")
