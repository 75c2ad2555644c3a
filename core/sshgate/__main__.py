from sshgate.cli import main

main()
