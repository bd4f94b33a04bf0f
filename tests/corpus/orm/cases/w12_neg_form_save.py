def save_all(forms):
    for form in forms:
        form.save()
