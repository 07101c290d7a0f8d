using System.Globalization;
using System.Text;

namespace DataVault.Policy.Matching;

internal enum TokenKind
{
    End,
    Number,
    String,
    Identifier,
    Operator,
    LeftParen,
    RightParen,
    LeftBracket,
    RightBracket,
    Comma,
    Dot,
}

internal readonly record struct Token(TokenKind Kind, string Text, int Position, double Number = 0);

/// <summary>
/// Splits matcher text into tokens. String literals use single or double quotes (or backquotes); a backslash
/// is kept literally, except that it escapes the closing quote — the reference keeps <c>'\1'</c> as the two
/// characters <c>\1</c>, so regular expressions and Windows paths survive unchanged.
/// </summary>
internal static class Lexer
{
    private static readonly string[] Operators = ["&&", "||", "==", "!=", "<=", ">=", "=~", "!~", "<", ">", "!", "+", "-", "*", "/", "%", "?", ":"];

    public static (List<Token> Tokens, string? Error, int ErrorAt) Tokenize(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }
            var start = i;
            if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])))
            {
                while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
                {
                    i++;
                }
                if (i < text.Length && text[i] is 'e' or 'E')
                {
                    i++;
                    if (i < text.Length && text[i] is '+' or '-')
                    {
                        i++;
                    }
                    while (i < text.Length && char.IsAsciiDigit(text[i]))
                    {
                        i++;
                    }
                }
                var literal = text[start..i];
                if (!double.TryParse(literal, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
                {
                    return (tokens, $"invalid number '{literal}'", start);
                }
                tokens.Add(new Token(TokenKind.Number, literal, start, number));
                continue;
            }
            if (char.IsAsciiLetter(c) || c == '_' || c == '$')
            {
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] is '_' or '$'))
                {
                    i++;
                }
                tokens.Add(new Token(TokenKind.Identifier, text[start..i], start));
                continue;
            }
            if (c is '"' or '\'' or '`')
            {
                var sb = new StringBuilder();
                i++;
                var closed = false;
                while (i < text.Length)
                {
                    var d = text[i];
                    if (d == '\\' && i + 1 < text.Length && text[i + 1] == c)
                    {
                        sb.Append(c);
                        i += 2;
                        continue;
                    }
                    if (d == c)
                    {
                        closed = true;
                        i++;
                        break;
                    }
                    sb.Append(d);
                    i++;
                }
                if (!closed)
                {
                    return (tokens, "unterminated string literal", start);
                }
                tokens.Add(new Token(TokenKind.String, sb.ToString(), start));
                continue;
            }
            var single = c switch
            {
                '(' => TokenKind.LeftParen,
                ')' => TokenKind.RightParen,
                '[' => TokenKind.LeftBracket,
                ']' => TokenKind.RightBracket,
                ',' => TokenKind.Comma,
                '.' => TokenKind.Dot,
                _ => TokenKind.End,
            };
            if (single != TokenKind.End)
            {
                tokens.Add(new Token(single, c.ToString(), start));
                i++;
                continue;
            }
            var op = Array.Find(Operators, o => string.CompareOrdinal(text, i, o, 0, o.Length) == 0);
            if (op is null)
            {
                return (tokens, $"unexpected character '{c}'", start);
            }
            tokens.Add(new Token(TokenKind.Operator, op, start));
            i += op.Length;
        }
        tokens.Add(new Token(TokenKind.End, "", text.Length));
        return (tokens, null, 0);
    }
}
