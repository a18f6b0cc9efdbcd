namespace Purple.Protocols.Resp;

/// <summary>
/// COMMAND INFO and COMMAND DOCS replies. The argument tree of DOCS (what redis-cli turns into hints)
/// is derived from each spec's <see cref="RespCommandSpec.Syntax"/>, so the table has one source of truth.
/// </summary>
internal static class RespCommandDocs
{
    private static readonly (RespCommandFlags Flag, string Name)[] FlagNames =
    [
        (RespCommandFlags.Write, "write"), (RespCommandFlags.ReadOnly, "readonly"), (RespCommandFlags.DenyOom, "denyoom"),
        (RespCommandFlags.Admin, "admin"), (RespCommandFlags.NoScript, "noscript"), (RespCommandFlags.Loading, "loading"),
        (RespCommandFlags.Stale, "stale"), (RespCommandFlags.Fast, "fast"), (RespCommandFlags.NoAuth, "no_auth"),
        (RespCommandFlags.AllowBusy, "allow_busy"),
    ];

    public static void WriteInfo(RespWriter w, RespCommandSpec spec)
    {
        w.ArrayHeader(10);
        w.BulkString(spec.FullName);
        w.Integer(spec.Arity);
        var flags = FlagNames.Where(f => (spec.Flags & f.Flag) != 0).Select(f => f.Name).ToList();
        w.SetHeader(flags.Count);
        foreach (var f in flags) w.SimpleString(System.Text.Encoding.ASCII.GetBytes(f));
        w.Integer(spec.FirstKey);
        w.Integer(spec.LastKey);
        w.Integer(spec.Step);
        w.SetHeader(spec.AclCategories.Length);
        foreach (var c in spec.AclCategories) w.SimpleString(System.Text.Encoding.ASCII.GetBytes(c));
        w.SetHeader(0);
        w.ArrayHeader(0);
        w.ArrayHeader(spec.Subcommands.Length);
        foreach (var sub in spec.Subcommands) WriteInfo(w, sub);
    }

    public static void WriteDocs(RespWriter w, RespCommandSpec spec)
    {
        var args = SyntaxParser.Parse(spec.Syntax);
        int fields = 4 + (args.Count > 0 ? 1 : 0) + (spec.Subcommands.Length > 0 ? 1 : 0);
        w.MapHeader(fields);
        w.BulkString("summary"); w.BulkString(spec.Summary);
        w.BulkString("since"); w.BulkString(spec.Since);
        w.BulkString("group"); w.BulkString(spec.Group);
        w.BulkString("complexity"); w.BulkString(spec.Complexity);
        if (args.Count > 0)
        {
            w.BulkString("arguments");
            WriteArguments(w, args);
        }
        if (spec.Subcommands.Length > 0)
        {
            w.BulkString("subcommands");
            w.MapHeader(spec.Subcommands.Length);
            foreach (var sub in spec.Subcommands)
            {
                w.BulkString(sub.FullName);
                WriteDocs(w, sub);
            }
        }
    }

    private static void WriteArguments(RespWriter w, List<DocArgument> args)
    {
        w.ArrayHeader(args.Count);
        foreach (var arg in args)
        {
            var flags = new List<string>();
            if (arg.Optional) flags.Add("optional");
            if (arg.Multiple) flags.Add("multiple");
            int fields = 3 + (arg.Token is null ? 0 : 1) + (flags.Count > 0 ? 1 : 0) + (arg.Children.Count > 0 ? 1 : 0);
            w.MapHeader(fields);
            w.BulkString("name"); w.BulkString(arg.Name);
            w.BulkString("type"); w.BulkString(arg.Type);
            w.BulkString("display_text"); w.BulkString(arg.Type == "pure-token" ? arg.Token ?? arg.Name : arg.Name);
            if (arg.Token is not null)
            {
                w.BulkString("token"); w.BulkString(arg.Token);
            }
            if (flags.Count > 0)
            {
                w.BulkString("flags");
                w.SetHeader(flags.Count);
                foreach (var f in flags) w.SimpleString(System.Text.Encoding.ASCII.GetBytes(f));
            }
            if (arg.Children.Count > 0)
            {
                w.BulkString("arguments");
                WriteArguments(w, arg.Children);
            }
        }
    }

    internal sealed class DocArgument
    {
        public required string Name { get; set; }
        public required string Type { get; set; }
        public string? Token { get; set; }
        public bool Optional { get; set; }
        public bool Multiple { get; set; }
        public List<DocArgument> Children { get; } = [];
    }

    /// <summary>
    /// Parses Redis's documentation notation: lowercase words are arguments, UPPERCASE words tokens,
    /// <c>[…]</c> optional, <c>a|b</c> alternatives, <c>x [x ...]</c> repetition.
    /// </summary>
    internal static class SyntaxParser
    {
        public static List<DocArgument> Parse(string syntax)
        {
            var tokens = Tokenize(syntax);
            int pos = 0;
            return ParseSequence(tokens, ref pos);
        }

        private static List<string> Tokenize(string syntax)
        {
            var tokens = new List<string>();
            int i = 0;
            while (i < syntax.Length)
            {
                char c = syntax[i];
                if (c == ' ') { i++; continue; }
                if (c is '[' or ']' or '|') { tokens.Add(c.ToString()); i++; continue; }
                int start = i;
                while (i < syntax.Length && syntax[i] is not (' ' or '[' or ']' or '|')) i++;
                tokens.Add(syntax[start..i]);
            }
            return tokens;
        }

        private static List<DocArgument> ParseSequence(List<string> tokens, ref int pos)
        {
            var items = new List<DocArgument>();
            while (pos < tokens.Count && tokens[pos] is not ("]" or "|"))
            {
                string t = tokens[pos];
                if (t == "[")
                {
                    pos++;
                    var alternatives = ParseAlternatives(tokens, ref pos);
                    if (pos < tokens.Count && tokens[pos] == "]") pos++;
                    if (IsRepetitionOf(alternatives, items))
                    {
                        MarkRepeated(items, alternatives[0].Count - 1);
                        continue;
                    }
                    var optional = Combine(alternatives);
                    optional.Optional = true;
                    items.Add(optional);
                }
                else if (t == "...")
                {
                    pos++;
                }
                else
                {
                    pos++;
                    items.Add(Word(t));
                }
            }
            return MergeTokens(items);
        }

        private static List<List<DocArgument>> ParseAlternatives(List<string> tokens, ref int pos)
        {
            var alternatives = new List<List<DocArgument>> { ParseSequence(tokens, ref pos) };
            while (pos < tokens.Count && tokens[pos] == "|")
            {
                pos++;
                alternatives.Add(ParseSequence(tokens, ref pos));
            }
            return alternatives;
        }

        // "[key ...]" after "key", or "[key value ...]" after "key value": the optional repeats what precedes it.
        private static bool IsRepetitionOf(List<List<DocArgument>> alternatives, List<DocArgument> items)
        {
            if (alternatives.Count != 1) return false;
            var seq = alternatives[0];
            return seq.Count >= 1 && seq.Count <= items.Count
                && seq.Select(a => a.Name).SequenceEqual(items.Skip(items.Count - seq.Count).Select(a => a.Name));
        }

        private static void MarkRepeated(List<DocArgument> items, int extra)
        {
            int count = extra + 1;
            if (count == 1)
            {
                items[^1].Multiple = true;
                return;
            }
            var block = new DocArgument { Name = "data", Type = "block", Multiple = true };
            block.Children.AddRange(items.Skip(items.Count - count));
            items.RemoveRange(items.Count - count, count);
            items.Add(block);
        }

        private static DocArgument Combine(List<List<DocArgument>> alternatives)
        {
            if (alternatives.Count == 1)
            {
                var seq = alternatives[0];
                if (seq.Count == 1) return seq[0];
                var block = new DocArgument { Name = string.Join('_', seq.Select(a => a.Name)), Type = "block" };
                block.Children.AddRange(seq);
                return block;
            }
            var oneOf = new DocArgument { Name = string.Join('_', alternatives.Select(a => a.FirstOrDefault()?.Name ?? "")), Type = "oneof" };
            foreach (var alt in alternatives) oneOf.Children.Add(Combine([alt]));
            return oneOf;
        }

        // "EX seconds" is one argument with a token, as Redis documents it.
        private static List<DocArgument> MergeTokens(List<DocArgument> items)
        {
            var merged = new List<DocArgument>();
            for (int i = 0; i < items.Count; i++)
            {
                var item = items[i];
                if (item.Type == "pure-token" && i + 1 < items.Count && items[i + 1].Type is not ("pure-token" or "block" or "oneof") && !items[i + 1].Optional)
                {
                    var next = items[i + 1];
                    next.Token = item.Token;
                    merged.Add(next);
                    i++;
                }
                else merged.Add(item);
            }
            return merged;
        }

        private static DocArgument Word(string word)
        {
            if (word.Any(char.IsUpper) && !word.Any(char.IsLower))
            {
                return new DocArgument { Name = word.ToLowerInvariant(), Type = "pure-token", Token = word };
            }
            string type = word switch
            {
                "key" or "newkey" or "destination" or "source" => "key",
                "seconds" or "milliseconds" or "count" or "increment" or "decrement" or "index" or "cursor"
                    or "unix-time-seconds" or "unix-time-milliseconds" or "protover" or "client-id" => "integer",
                "pattern" => "pattern",
                _ => "string",
            };
            return new DocArgument { Name = word, Type = type };
        }
    }
}
