from source_openai.run import run

if __name__ == "__main__":
    run()
