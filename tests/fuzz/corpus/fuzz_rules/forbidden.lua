local f = io.open("/etc/passwd")
os.execute("id")
load("return 1")()
