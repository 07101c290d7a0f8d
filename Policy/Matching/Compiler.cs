using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using DataVault.Policy.Roles;

namespace DataVault.Policy.Matching;

/// <summary>A compiled expression: a tree of closures, built once, evaluated per rule without allocating.</summary>
internal delegate Value Evaluator(EvalContext context);

/// <summary>
/// The state of one decision: request values, the rule being tested, the snapshot, and per-request caches
/// (a subject's role closure is looked up once per request, not once per rule).
/// </summary>
internal sealed class EvalContext
{
    public Value[] Request = [];
    public string[] Rule = [];
    public IRoleSource Roles = null!;
    public RoleGraph.Closure?[] Sites = new RoleGraph.Closure?[4];

    public void BeginRequest(int siteCount)
    {
        if (Sites.Length < siteCount)
        {
            Sites = new RoleGraph.Closure?[siteCount];
        }
        Array.Clear(Sites);
    }
}

/// <summary>What compiled matchers need from a snapshot: its role graphs.</summary>
internal interface IRoleSource
{
    RoleGraph? GetRoleGraph(string key);
}

/// <summary>A matcher compiled for one pair of request and policy definitions.</summary>
internal sealed class CompiledMatcher
{
    public required Evaluator Evaluate { get; init; }

    /// <summary>False when the matcher reads no policy field: it is then evaluated once, without the rules.</summary>
    public required bool UsesPolicy { get; init; }

    public required bool UsesEval { get; init; }

    public required int SiteCount { get; init; }

    /// <summary>Equality constraints <c>r.X == p.Y</c> in the top-level conjunction: (policy index, request index).</summary>
    public required IReadOnlyList<(int PolicyIndex, int RequestIndex)> Equalities { get; init; }
}

/// <summary>
/// Binds a parsed matcher to a model's request and policy fields and to the function table, producing
/// closures. Matcher text is never evaluated as C# or script; every operator is implemented here.
/// </summary>
internal sealed class Compiler
{
    private readonly string _rKey;
    private readonly string _pKey;
    private readonly string[] _rTokens;
    private readonly string[] _pTokens;
    private readonly IReadOnlyDictionary<string, Model.RoleDefinition> _roles;
    private readonly IReadOnlyDictionary<string, Func<object?[], object?>> _custom;
    private readonly ConcurrentDictionary<string, Evaluator> _evalCache = new(StringComparer.Ordinal);
    private int _sites;
    private bool _usesPolicy;
    private bool _usesEval;
    private bool _allowSites = true;

    public Compiler(Model.ModelDefinition model, string rKey, string pKey, IReadOnlyDictionary<string, Func<object?[], object?>> custom)
    {
        _rKey = rKey;
        _pKey = pKey;
        _rTokens = model.Requests.TryGetValue(rKey, out var r) ? r : [];
        _pTokens = model.Policies.TryGetValue(pKey, out var p) ? p : [];
        _roles = model.Roles;
        _custom = custom;
    }

    private sealed class CompileException(string message, int position) : Exception(message)
    {
        public int Position { get; } = position;
    }

    /// <summary>Compiles a matcher; on failure returns the message and the 0-based offset in the text.</summary>
    public (CompiledMatcher? Matcher, string? Error, int ErrorAt) Compile(string text)
    {
        var (node, error, at) = Parser.Parse(text);
        if (node is null)
        {
            return (null, error, at);
        }
        try
        {
            var evaluator = Build(node);
            var equalities = new List<(int, int)>();
            CollectEqualities(node, equalities);
            return (new CompiledMatcher
            {
                Evaluate = evaluator,
                UsesPolicy = _usesPolicy,
                UsesEval = _usesEval,
                SiteCount = _sites,
                Equalities = equalities,
            }, null, 0);
        }
        catch (CompileException e)
        {
            return (null, e.Message, e.Position);
        }
    }

    private void CollectEqualities(Node node, List<(int, int)> into)
    {
        if (node is BinaryNode { Operator: "&&" } and)
        {
            CollectEqualities(and.Left, into);
            CollectEqualities(and.Right, into);
            return;
        }
        if (node is BinaryNode { Operator: "==" } eq)
        {
            if (ResolveField(eq.Left) is (true, var ri) && ResolveField(eq.Right) is (false, var pi))
            {
                into.Add((pi, ri));
            }
            else if (ResolveField(eq.Left) is (false, var pi2) && ResolveField(eq.Right) is (true, var ri2))
            {
                into.Add((pi2, ri2));
            }
        }
    }

    /// <summary>Resolves <c>r.sub</c>/<c>r_sub</c> (request) or <c>p.sub</c>/<c>p_sub</c> (policy) to a field index.</summary>
    private (bool IsRequest, int Index)? ResolveField(Node node)
    {
        string? prefix = null;
        string? token = null;
        if (node is MemberNode { Target: IdentifierNode target } member)
        {
            prefix = target.Name;
            token = member.Member;
        }
        else if (node is IdentifierNode id)
        {
            foreach (var key in new[] { _rKey, _pKey })
            {
                if (id.Name.Length > key.Length + 1 && id.Name.StartsWith(key + "_", StringComparison.Ordinal))
                {
                    var rest = id.Name[(key.Length + 1)..];
                    var tokens = key == _rKey ? _rTokens : _pTokens;
                    if (Array.IndexOf(tokens, rest) >= 0)
                    {
                        prefix = key;
                        token = rest;
                        break;
                    }
                }
            }
        }
        if (prefix is null || token is null)
        {
            return null;
        }
        if (prefix == _rKey && Array.IndexOf(_rTokens, token) is var ri and >= 0)
        {
            return (true, ri);
        }
        if (prefix == _pKey && Array.IndexOf(_pTokens, token) is var pi and >= 0)
        {
            return (false, pi);
        }
        return null;
    }

    private Evaluator Build(Node node)
    {
        switch (node)
        {
            case LiteralNode literal:
            {
                var value = literal.Value;
                return _ => value;
            }
            case IdentifierNode or MemberNode when ResolveField(node) is var (isRequest, index):
                if (isRequest)
                {
                    return ctx => ctx.Request[index];
                }
                _usesPolicy = true;
                return ctx => index < ctx.Rule.Length ? Value.FromString(ctx.Rule[index]) : Value.EmptyString;
            case IdentifierNode id:
                throw new CompileException(DescribeUnknown(id.Name), id.Position);
            case MemberNode member:
            {
                if (member.Target is IdentifierNode { Name: var n } && (n == _rKey || n == _pKey))
                {
                    throw new CompileException($"'{n}' has no field '{member.Member}'", member.Position);
                }
                if (member.Target is IdentifierNode { Name: var other } && (IsSectionKey(other, 'r') || IsSectionKey(other, 'p')))
                {
                    throw new CompileException($"'{other}' is not available in this matcher (it uses {_rKey} and {_pKey})", member.Target.Position);
                }
                var target = Build(member.Target);
                var name = member.Member;
                return ctx => GetMember(target(ctx), name);
            }
            case UnaryNode unary:
            {
                var operand = Build(unary.Operand);
                return unary.Operator switch
                {
                    "!" => ctx => operand(ctx) is { Kind: ValueKind.Bool } b ? Value.FromBool(!b.IsTrue) : throw new MatcherException("'!' needs a boolean"),
                    _ => ctx => operand(ctx) is { Kind: ValueKind.Number } n ? Value.FromNumber(-n.Number) : throw new MatcherException("'-' needs a number"),
                };
            }
            case TernaryNode ternary:
            {
                var condition = Build(ternary.Condition);
                var ifTrue = Build(ternary.IfTrue);
                var ifFalse = Build(ternary.IfFalse);
                return ctx => RequireBool(condition(ctx), "?:") ? ifTrue(ctx) : ifFalse(ctx);
            }
            case ArrayNode array:
            {
                var items = array.Items.Select(Build).ToArray();
                if (array.Items.All(i => i is LiteralNode))
                {
                    var constant = Value.FromArray([.. array.Items.Cast<LiteralNode>().Select(l => l.Value)]);
                    return _ => constant;
                }
                return ctx =>
                {
                    var values = new Value[items.Length];
                    for (var i = 0; i < items.Length; i++)
                    {
                        values[i] = items[i](ctx);
                    }
                    return Value.FromArray(values);
                };
            }
            case BinaryNode binary:
                return BuildBinary(binary);
            case CallNode call:
                return BuildCall(call);
            default:
                throw new CompileException("unsupported expression", node.Position);
        }
    }

    private static bool IsSectionKey(string name, char letter) =>
        name.Length >= 1 && name[0] == letter && name.AsSpan(1).IndexOfAnyExceptInRange('0', '9') < 0;

    private string DescribeUnknown(string name)
    {
        if (name == _rKey || name == _pKey)
        {
            return $"'{name}' must be followed by a field, as in '{name}.{(name == _rKey ? _rTokens.FirstOrDefault() : _pTokens.FirstOrDefault()) ?? "sub"}'";
        }
        return $"unknown identifier '{name}'";
    }

    private static bool RequireBool(in Value v, string op) =>
        v.Kind == ValueKind.Bool ? v.IsTrue : throw new MatcherException($"'{op}' needs boolean operands, got '{v}'");

    private Evaluator BuildBinary(BinaryNode binary)
    {
        var left = Build(binary.Left);
        var right = Build(binary.Right);
        switch (binary.Operator)
        {
            case "&&":
                return ctx => RequireBool(left(ctx), "&&") && RequireBool(right(ctx), "&&") ? Value.True : Value.False;
            case "||":
                return ctx => RequireBool(left(ctx), "||") || RequireBool(right(ctx), "||") ? Value.True : Value.False;
            case "==":
                return ctx => Value.FromBool(Value.AreEqual(left(ctx), right(ctx)));
            case "!=":
                return ctx => Value.FromBool(!Value.AreEqual(left(ctx), right(ctx)));
            case "<":
                return ctx => Value.FromBool(Compare(left(ctx), right(ctx), "<") < 0);
            case "<=":
                return ctx => Value.FromBool(Compare(left(ctx), right(ctx), "<=") <= 0);
            case ">":
                return ctx => Value.FromBool(Compare(left(ctx), right(ctx), ">") > 0);
            case ">=":
                return ctx => Value.FromBool(Compare(left(ctx), right(ctx), ">=") >= 0);
            case "=~":
                return ctx => Value.FromBool(BuiltinFunctions.RegexMatch(RequireString(left(ctx), "=~"), RequireString(right(ctx), "=~")));
            case "!~":
                return ctx => Value.FromBool(!BuiltinFunctions.RegexMatch(RequireString(left(ctx), "!~"), RequireString(right(ctx), "!~")));
            case "in":
                return ctx => Value.FromBool(In(left(ctx), right(ctx)));
            case "+":
                return ctx => Add(left(ctx), right(ctx));
            case "-":
                return ctx => Value.FromNumber(RequireNumber(left(ctx), "-") - RequireNumber(right(ctx), "-"));
            case "*":
                return ctx => Value.FromNumber(RequireNumber(left(ctx), "*") * RequireNumber(right(ctx), "*"));
            case "/":
                return ctx => Value.FromNumber(RequireNumber(left(ctx), "/") / RequireNumber(right(ctx), "/"));
            case "%":
                return ctx => Value.FromNumber(RequireNumber(left(ctx), "%") % RequireNumber(right(ctx), "%"));
            default:
                throw new CompileException($"unsupported operator '{binary.Operator}'", binary.Position);
        }
    }

    private static string RequireString(in Value v, string op) =>
        v.AsString ?? throw new MatcherException($"'{op}' needs string operands, got '{v}'");

    private static double RequireNumber(in Value v, string op) =>
        v.Kind == ValueKind.Number ? v.Number : throw new MatcherException($"'{op}' needs numeric operands, got '{v}'");

    private static int Compare(in Value a, in Value b, string op)
    {
        if (a.Kind == ValueKind.Number && b.Kind == ValueKind.Number)
        {
            return a.Number.CompareTo(b.Number);
        }
        if (a.Kind == ValueKind.String && b.Kind == ValueKind.String)
        {
            return string.CompareOrdinal((string)a.Ref!, (string)b.Ref!);
        }
        throw new MatcherException($"'{op}' cannot compare '{a}' with '{b}'");
    }

    private static Value Add(in Value a, in Value b)
    {
        if (a.Kind == ValueKind.Number && b.Kind == ValueKind.Number)
        {
            return Value.FromNumber(a.Number + b.Number);
        }
        if (a.Kind == ValueKind.String || b.Kind == ValueKind.String)
        {
            return Value.FromString(a.ToString() + b.ToString());
        }
        throw new MatcherException($"'+' cannot add '{a}' and '{b}'");
    }

    private static bool In(in Value item, in Value collection)
    {
        if (collection.Ref is Value[] items)
        {
            foreach (var candidate in items)
            {
                if (Value.AreEqual(item, candidate))
                {
                    return true;
                }
            }
            return false;
        }
        var sequence = collection.AsSequence() ?? throw new MatcherException($"'in' needs an array on its right, got '{collection}'");
        foreach (var candidate in sequence)
        {
            if (Value.AreEqual(item, candidate))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Reads an attribute of a request object: dictionary key, JSON property, or public property.</summary>
    private static Value GetMember(in Value target, string name)
    {
        switch (target.Ref)
        {
            case IReadOnlyDictionary<string, object?> dict when target.Kind == ValueKind.Object:
                return dict.TryGetValue(name, out var v) ? Value.FromObject(v) : throw new MatcherException($"attribute '{name}' not found");
            case IDictionary<string, object?> dict2 when target.Kind == ValueKind.Object:
                return dict2.TryGetValue(name, out var v2) ? Value.FromObject(v2) : throw new MatcherException($"attribute '{name}' not found");
            case JsonElement { ValueKind: JsonValueKind.Object } json:
                return json.TryGetProperty(name, out var p) ? Value.FromJson(p) : throw new MatcherException($"attribute '{name}' not found");
            case IDictionary legacy when target.Kind == ValueKind.Object:
                return legacy.Contains(name) ? Value.FromObject(legacy[name]) : throw new MatcherException($"attribute '{name}' not found");
            case Value[]:
            case JsonElement:
            case null:
                throw new MatcherException($"cannot read attribute '{name}' of '{target}'");
            case string:
                throw new MatcherException($"cannot read attribute '{name}' of a string");
            default:
            {
                var property = target.Ref.GetType().GetProperty(name, BindingFlags.Public | BindingFlags.Instance);
                return property is null
                    ? throw new MatcherException($"attribute '{name}' not found")
                    : Value.FromObject(property.GetValue(target.Ref));
            }
        }
    }

    private Evaluator BuildCall(CallNode call)
    {
        var name = call.Function;
        if (_roles.TryGetValue(name, out var roleDefinition))
        {
            return BuildRoleCall(call, roleDefinition);
        }
        if (name == "eval")
        {
            if (call.Arguments.Count != 1)
            {
                throw new CompileException("eval() takes one argument", call.Position);
            }
            _usesEval = true;
            var argument = Build(call.Arguments[0]);
            return ctx => EvalRule(RequireString(argument(ctx), "eval"))(ctx);
        }
        var args = call.Arguments.Select(Build).ToArray();
        if (_custom.TryGetValue(name, out var custom))
        {
            return ctx =>
            {
                var objects = new object?[args.Length];
                for (var i = 0; i < args.Length; i++)
                {
                    objects[i] = args[i](ctx).ToObject();
                }
                object? result;
                try
                {
                    result = custom(objects);
                }
                catch (Exception e) when (e is not MatcherException)
                {
                    throw new MatcherException($"{name}: {e.Message}");
                }
                return Value.FromObject(result);
            };
        }
        if (BuiltinFunctions.All.TryGetValue(name, out var builtin))
        {
            if (args.Length != builtin.Arity)
            {
                throw new CompileException($"{name}: expected {builtin.Arity} arguments, but got {args.Length}", call.Position);
            }
            if (args.Length == 2)
            {
                var (a0, a1) = (args[0], args[1]);
                return ctx => BuiltinFunctions.Invoke(builtin, [a0(ctx), a1(ctx)]);
            }
            return ctx =>
            {
                var values = new Value[args.Length];
                for (var i = 0; i < args.Length; i++)
                {
                    values[i] = args[i](ctx);
                }
                return BuiltinFunctions.Invoke(builtin, values);
            };
        }
        throw new CompileException($"unknown function '{name}'", call.Position);
    }

    /// <summary>
    /// <c>eval(p.rule)</c>: the rule's text is itself a matcher expression over the same fields. Each distinct
    /// text is parsed and compiled once and cached.
    /// </summary>
    private Evaluator EvalRule(string text)
    {
        if (_evalCache.TryGetValue(text, out var cached))
        {
            return cached;
        }
        Evaluator evaluator;
        lock (_evalCache)
        {
            var (node, error, at) = Parser.Parse(text);
            if (node is null)
            {
                throw new MatcherException($"eval: cannot parse '{text}': {error} at column {at + 1}");
            }
            var saved = _allowSites;
            _allowSites = false;
            try
            {
                evaluator = Build(node);
            }
            catch (CompileException e)
            {
                throw new MatcherException($"eval: {e.Message} in '{text}'");
            }
            finally
            {
                _allowSites = saved;
            }
        }
        if (_evalCache.Count < 100_000)
        {
            _evalCache.TryAdd(text, evaluator);
        }
        return evaluator;
    }

    private bool ReferencesPolicy(Node node) => node switch
    {
        IdentifierNode or MemberNode when ResolveField(node) is (false, _) => true,
        MemberNode m => ReferencesPolicy(m.Target),
        UnaryNode u => ReferencesPolicy(u.Operand),
        BinaryNode b => ReferencesPolicy(b.Left) || ReferencesPolicy(b.Right),
        TernaryNode t => ReferencesPolicy(t.Condition) || ReferencesPolicy(t.IfTrue) || ReferencesPolicy(t.IfFalse),
        CallNode c => c.Function == "eval" || c.Arguments.Any(ReferencesPolicy),
        ArrayNode a => a.Items.Any(ReferencesPolicy),
        _ => false,
    };

    /// <summary>
    /// <c>g(user, role[, domain])</c>. When the user and domain do not depend on the rule, the user's role
    /// closure is fetched once per request (a per-request "site" slot) and each rule costs one set lookup.
    /// </summary>
    private Evaluator BuildRoleCall(CallNode call, Model.RoleDefinition definition)
    {
        var expected = definition.HasDomain ? 3 : 2;
        if (call.Arguments.Count != expected && !(definition.HasDomain && call.Arguments.Count == 2))
        {
            throw new CompileException($"{call.Function}() takes {expected} arguments, but got {call.Arguments.Count}", call.Position);
        }
        var key = call.Function;
        var user = Build(call.Arguments[0]);
        var role = Build(call.Arguments[1]);
        var domain = call.Arguments.Count == 3 ? Build(call.Arguments[2]) : null;
        var cacheable = _allowSites && !ReferencesPolicy(call.Arguments[0]) && (call.Arguments.Count < 3 || !ReferencesPolicy(call.Arguments[2]));
        if (!cacheable)
        {
            return ctx =>
            {
                var graph = ctx.Roles.GetRoleGraph(key);
                var u = user(ctx).AsString;
                var r = role(ctx).AsString;
                var d = domain is null ? null : domain(ctx).AsString;
                if (graph is null || u is null || r is null || (domain is not null && d is null))
                {
                    return Value.False;
                }
                return Value.FromBool(graph.HasLink(u, r, d));
            };
        }
        var site = _sites++;
        return ctx =>
        {
            var graph = ctx.Roles.GetRoleGraph(key);
            if (graph is null)
            {
                return Value.False;
            }
            var r = role(ctx).AsString;
            if (r is null)
            {
                return Value.False;
            }
            if (!graph.SupportsClosure)
            {
                var u = user(ctx).AsString;
                var d = domain is null ? null : domain(ctx).AsString;
                return u is null || (domain is not null && d is null) ? Value.False : Value.FromBool(graph.HasLink(u, r, d));
            }
            var closure = ctx.Sites[site];
            if (closure is null)
            {
                var u = user(ctx).AsString;
                var d = domain is null ? null : domain(ctx).AsString;
                if (u is null || (domain is not null && d is null))
                {
                    return Value.False;
                }
                closure = graph.GetClosure(u, d);
                ctx.Sites[site] = closure;
            }
            return Value.FromBool(closure.Contains(r));
        };
    }
}
