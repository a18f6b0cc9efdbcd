using Spectre.Console;

namespace Purple.Cmd.Common;

/// <summary>
/// Spectre.Console over our own writers (never the static AnsiConsole, which is one per process): colours, cursor
/// movement and live widgets only when a terminal is there, plain text otherwise, so pipes and tests get clean output.
/// </summary>
internal static class Screens
{
    public static IAnsiConsole Stdout(CliConsole console) => Create(console.Out, console.OutputIsTerminal, console.Width);

    public static IAnsiConsole Stderr(CliConsole console) => Create(console.Error, console.ErrorIsTerminal, console.Width);

    private static IAnsiConsole Create(TextWriter writer, bool terminal, int width)
    {
        var screen = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = terminal ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Yes : InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        screen.Profile.Width = width;
        screen.Profile.Capabilities.Unicode = true;
        return screen;
    }
}
