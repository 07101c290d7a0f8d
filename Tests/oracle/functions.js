// Custom matcher functions the oracle can register by name (job field "functions").
// Each has a twin on the C# side, registered on our engine with Enforcer.AddFunction under the same
// name (Tests/Policy/DifferentialFunctions.cs); the differential tests check that both agree.
'use strict';

// Statistical division codes nest by prefix: province 2 digits, city 4, district 6, street 9,
// community 12, then a grid suffix ("510107001007-03"). An ancestor must be a whole code of one of
// those levels, so "51010" (not a level) covers nothing and "510107" covers "510107001".
const LEVEL_LENGTHS = [2, 4, 6, 9, 12];

function jurisdictionWithin(child, ancestor) {
  if (typeof child !== 'string' || typeof ancestor !== 'string' || ancestor === '') return false;
  if (child === ancestor) return true;
  return LEVEL_LENGTHS.includes(ancestor.length) && child.length > ancestor.length && child.startsWith(ancestor);
}

// A plain string-prefix test, the simplest custom function with two arguments.
function hasPrefix(value, prefix) {
  return typeof value === 'string' && typeof prefix === 'string' && value.startsWith(prefix);
}

module.exports = { jurisdictionWithin, hasPrefix };
