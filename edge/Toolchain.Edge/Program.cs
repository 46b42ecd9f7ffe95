using Toolchain.Edge;

return EdgeCommand.Create().Parse(args).Invoke();
