using System.Diagnostics;

namespace ServerlessCommerce.Tests.Infrastructure;

/// <summary>
/// Child processes that cannot outlive the test run: a guard shell starts the program and kills it as soon as its
/// stdin (a pipe from the test process) closes — including when the test host crashes or is killed.
/// </summary>
public static class ChildProcesses
{
    public static ProcessStartInfo Guarded(string program, IEnumerable<string> args, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (workingDirectory is not null)
        {
            psi.WorkingDirectory = workingDirectory;
        }

        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(
            "exec 3<&0; \"$@\" <&- & child=$!; " +
            "(read -r _ <&3; kill $child 2>/dev/null) & reader=$!; " +
            "wait $child; code=$?; kill $reader 2>/dev/null; exit $code");
        psi.ArgumentList.Add("guard");
        psi.ArgumentList.Add(program);
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        return psi;
    }
}
