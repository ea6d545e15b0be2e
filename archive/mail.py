"""Outgoing mail (invitations, password resets) through the SMTP server the settings name.

Without MAIL_SERVER (development, tests) the message is written to the log instead, link included, so that a
developer can follow it; nothing leaves the machine.
"""
from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app


def send(to: str, subject: str, body: str) -> None:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = str(subject)
    message.set_content(body)
    if not config.get("MAIL_SERVER"):
        current_app.logger.warning("Mail not sent (MAIL_SERVER is unset) to %s: %s\n%s", to, subject, body)
        return
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(message)
