namespace Purple.Cmd.Common;

/// <summary>--output: text for people (values raw, tables drawn), json for machines (one object on one line).</summary>
public enum OutputFormat
{
    Text,
    Json,
}
