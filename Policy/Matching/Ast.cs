namespace DataVault.Policy.Matching;

/// <summary>The matcher's syntax tree. Positions are 0-based offsets into the matcher text.</summary>
internal abstract record Node(int Position);

internal sealed record LiteralNode(Value Value, int Position) : Node(Position);

internal sealed record IdentifierNode(string Name, int Position) : Node(Position);

internal sealed record MemberNode(Node Target, string Member, int Position) : Node(Position);

internal sealed record UnaryNode(string Operator, Node Operand, int Position) : Node(Position);

internal sealed record BinaryNode(string Operator, Node Left, Node Right, int Position) : Node(Position);

internal sealed record TernaryNode(Node Condition, Node IfTrue, Node IfFalse, int Position) : Node(Position);

internal sealed record CallNode(string Function, IReadOnlyList<Node> Arguments, int Position) : Node(Position);

internal sealed record ArrayNode(IReadOnlyList<Node> Items, int Position) : Node(Position);

/// <summary>
/// Recursive-descent parser for Casbin's matcher language (the govaluate grammar the reference uses).
/// Precedence, lowest first: <c>?:</c>, <c>||</c>, <c>&amp;&amp;</c>, comparisons and <c>in</c>/<c>=~</c>,
/// <c>+ -</c>, <c>* / %</c>, unary <c>! -</c>, then calls, member access and parentheses.
/// </summary>
internal sealed class Parser
{
    private readonly List<Token> _tokens;
    private int _index;

    private Parser(List<Token> tokens) => _tokens = tokens;

    /// <summary>Parses a whole expression; on failure returns the message and the 0-based offset.</summary>
    public static (Node? Node, string? Error, int ErrorAt) Parse(string text)
    {
        var (tokens, lexError, lexAt) = Lexer.Tokenize(text);
        if (lexError is not null)
        {
            return (null, lexError, lexAt);
        }
        var parser = new Parser(tokens);
        try
        {
            var node = parser.ParseTernary();
            if (parser.Peek.Kind != TokenKind.End)
            {
                return (null, $"unexpected '{parser.Peek.Text}'", parser.Peek.Position);
            }
            return (node, null, 0);
        }
        catch (ParseException e)
        {
            return (null, e.Message, e.Position);
        }
    }

    private sealed class ParseException(string message, int position) : Exception(message)
    {
        public int Position { get; } = position;
    }

    private Token Peek => _tokens[_index];

    private Token Next() => _tokens[_index++];

    private bool IsOperator(string op) => Peek.Kind == TokenKind.Operator && Peek.Text == op;

    private bool IsKeyword(string word) => Peek.Kind == TokenKind.Identifier && string.Equals(Peek.Text, word, StringComparison.OrdinalIgnoreCase);

    private void Expect(TokenKind kind, string what)
    {
        if (Peek.Kind != kind)
        {
            throw new ParseException(Peek.Kind == TokenKind.End ? $"expected {what} at end of expression" : $"expected {what} but found '{Peek.Text}'", Peek.Position);
        }
        _index++;
    }

    private Node ParseTernary()
    {
        var condition = ParseOr();
        if (IsOperator("?"))
        {
            var at = Next().Position;
            var ifTrue = ParseTernary();
            if (!IsOperator(":"))
            {
                throw new ParseException("expected ':' in conditional expression", Peek.Position);
            }
            Next();
            var ifFalse = ParseTernary();
            return new TernaryNode(condition, ifTrue, ifFalse, at);
        }
        return condition;
    }

    private Node ParseOr()
    {
        var left = ParseAnd();
        while (IsOperator("||"))
        {
            var at = Next().Position;
            left = new BinaryNode("||", left, ParseAnd(), at);
        }
        return left;
    }

    private Node ParseAnd()
    {
        var left = ParseComparison();
        while (IsOperator("&&"))
        {
            var at = Next().Position;
            left = new BinaryNode("&&", left, ParseComparison(), at);
        }
        return left;
    }

    private Node ParseComparison()
    {
        var left = ParseAdditive();
        while (true)
        {
            if (Peek.Kind == TokenKind.Operator && Peek.Text is "==" or "!=" or "<" or "<=" or ">" or ">=" or "=~" or "!~")
            {
                var op = Next();
                left = new BinaryNode(op.Text, left, ParseAdditive(), op.Position);
            }
            else if (IsKeyword("in"))
            {
                var at = Next().Position;
                left = new BinaryNode("in", left, ParseAdditive(), at);
            }
            else
            {
                return left;
            }
        }
    }

    private Node ParseAdditive()
    {
        var left = ParseMultiplicative();
        while (Peek.Kind == TokenKind.Operator && Peek.Text is "+" or "-")
        {
            var op = Next();
            left = new BinaryNode(op.Text, left, ParseMultiplicative(), op.Position);
        }
        return left;
    }

    private Node ParseMultiplicative()
    {
        var left = ParseUnary();
        while (Peek.Kind == TokenKind.Operator && Peek.Text is "*" or "/" or "%")
        {
            var op = Next();
            left = new BinaryNode(op.Text, left, ParseUnary(), op.Position);
        }
        return left;
    }

    private Node ParseUnary()
    {
        if (Peek.Kind == TokenKind.Operator && Peek.Text is "!" or "-")
        {
            var op = Next();
            return new UnaryNode(op.Text, ParseUnary(), op.Position);
        }
        return ParsePostfix();
    }

    private Node ParsePostfix()
    {
        var node = ParsePrimary();
        while (Peek.Kind == TokenKind.Dot)
        {
            Next();
            var member = Peek;
            Expect(TokenKind.Identifier, "an attribute name after '.'");
            node = new MemberNode(node, member.Text, member.Position);
        }
        return node;
    }

    private Node ParsePrimary()
    {
        var token = Peek;
        switch (token.Kind)
        {
            case TokenKind.Number:
                Next();
                return new LiteralNode(Value.FromNumber(token.Number), token.Position);
            case TokenKind.String:
                Next();
                return new LiteralNode(Value.FromString(token.Text), token.Position);
            case TokenKind.Identifier:
                Next();
                if (token.Text is "true" or "TRUE" or "True")
                {
                    return new LiteralNode(Value.True, token.Position);
                }
                if (token.Text is "false" or "FALSE" or "False")
                {
                    return new LiteralNode(Value.False, token.Position);
                }
                if (Peek.Kind == TokenKind.LeftParen)
                {
                    Next();
                    var args = ParseList(TokenKind.RightParen, "')'");
                    return new CallNode(token.Text, args, token.Position);
                }
                return new IdentifierNode(token.Text, token.Position);
            case TokenKind.LeftParen:
            {
                Next();
                var items = ParseList(TokenKind.RightParen, "')'");
                // (a, b) is a tuple used with 'in'; (a) is grouping.
                return items.Count == 1 ? items[0] : new ArrayNode(items, token.Position);
            }
            case TokenKind.LeftBracket:
            {
                Next();
                var items = ParseList(TokenKind.RightBracket, "']'");
                return new ArrayNode(items, token.Position);
            }
            case TokenKind.End:
                throw new ParseException("unexpected end of expression", token.Position);
            case TokenKind.Operator:
            case TokenKind.RightParen:
            case TokenKind.RightBracket:
            case TokenKind.Comma:
            case TokenKind.Dot:
            default:
                throw new ParseException($"unexpected '{token.Text}'", token.Position);
        }
    }

    private List<Node> ParseList(TokenKind close, string closeText)
    {
        var items = new List<Node>();
        if (Peek.Kind == close)
        {
            Next();
            return items;
        }
        while (true)
        {
            items.Add(ParseTernary());
            if (Peek.Kind == TokenKind.Comma)
            {
                Next();
                continue;
            }
            Expect(close, closeText);
            return items;
        }
    }
}
