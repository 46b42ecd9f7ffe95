namespace Toolchain.Tests.Support;

/// <summary>Locates the repository and the built command-line programs from the test assembly's folder.</summary>
public static class RepositoryPaths
{
    public static string Root
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Toolchain.sln"))) directory = directory.Parent;
            return directory?.FullName ?? throw new InvalidOperationException($"no Toolchain.sln above {AppContext.BaseDirectory}");
        }
    }

    /// <summary>The build configuration the tests run under (Debug or Release), so programs match.</summary>
    public static string Configuration => AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";

    public static string Program(string project, string assembly) =>
        Path.Combine(Root, project, "bin", Configuration, "net10.0", assembly + ".dll");
}
