namespace Purple.Core;

/// <summary>
/// Redis's glob matching for KEYS, SCAN MATCH and SSCAN MATCH: <c>*</c>, <c>?</c>, <c>[abc]</c>,
/// <c>[^a]</c>, <c>[a-z]</c> and <c>\x</c> escapes, on bytes.
/// </summary>
public static class GlobPattern
{
    public static bool IsMatchAll(ReadOnlySpan<byte> pattern) => pattern.Length == 1 && pattern[0] == (byte)'*';

    public static bool Matches(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> text)
    {
        int p = 0, t = 0;
        int starP = -1, starT = -1;
        while (t < text.Length)
        {
            if (p < pattern.Length)
            {
                byte c = pattern[p];
                if (c == (byte)'*')
                {
                    while (p < pattern.Length && pattern[p] == (byte)'*') p++;
                    if (p == pattern.Length) return true;
                    starP = p; starT = t;
                    continue;
                }
                if (c == (byte)'?')
                {
                    p++; t++;
                    continue;
                }
                if (c == (byte)'[')
                {
                    if (MatchClass(pattern, ref p, text[t])) { t++; continue; }
                }
                else
                {
                    if (c == (byte)'\\' && p + 1 < pattern.Length) { p++; c = pattern[p]; }
                    if (c == text[t]) { p++; t++; continue; }
                }
            }
            if (starP < 0) return false;
            p = starP; t = ++starT;
        }
        while (p < pattern.Length && pattern[p] == (byte)'*') p++;
        return p == pattern.Length;
    }

    // On success advances p past the class; on failure p is unspecified (the caller backtracks).
    private static bool MatchClass(ReadOnlySpan<byte> pattern, ref int p, byte ch)
    {
        int i = p + 1;
        bool negate = i < pattern.Length && pattern[i] == (byte)'^';
        if (negate) i++;
        bool matched = false;
        while (i < pattern.Length && pattern[i] != (byte)']')
        {
            if (pattern[i] == (byte)'\\' && i + 1 < pattern.Length)
            {
                i++;
                if (pattern[i] == ch) matched = true;
                i++;
            }
            else if (i + 2 < pattern.Length && pattern[i + 1] == (byte)'-' && pattern[i + 2] != (byte)']')
            {
                byte lo = pattern[i], hi = pattern[i + 2];
                if (lo > hi) (lo, hi) = (hi, lo);
                if (ch >= lo && ch <= hi) matched = true;
                i += 3;
            }
            else
            {
                if (pattern[i] == ch) matched = true;
                i++;
            }
        }
        // Redis treats an unterminated class as ending at the pattern's end.
        p = i < pattern.Length ? i + 1 : i;
        return matched != negate;
    }
}
