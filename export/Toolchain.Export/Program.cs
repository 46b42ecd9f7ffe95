using Toolchain.Export;

return ExportCommand.Create().Parse(args).Invoke();
