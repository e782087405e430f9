from kbassist.cli import main

main()
